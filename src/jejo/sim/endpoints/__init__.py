"""The demo machines' protocol endpoints: OPC UA servers, Modbus TCP servers and a Sparkplug B edge node."""
