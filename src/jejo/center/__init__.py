"""The center side: firms, the program catalogue, level diagnosis, applications, mentors and suppliers
for a regional smart-manufacturing innovation center (스마트제조혁신센터)."""
