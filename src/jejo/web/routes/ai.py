"""AI pages (제조AI): the findings inbox with acknowledge / dismiss, a finding with its signal and anomaly
score chart, the model registry with promote / rollback, the playbooks with their editor, and the actions
they took with approve / reject / revert. They call :mod:`jejo.ai` and :mod:`jejo.playbooks` directly;
another company's record is a 404."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jejo.ai import findings as fd
from jejo.ai import registry
from jejo.ai import scorer as sc
from jejo.api.deps import DB, runtime
from jejo.core.errors import Conflict, Forbidden, JejoError, NotFound, Problem, ValidationError
from jejo.playbooks import service as pbs
from jejo.playbooks.schemas import ROLES_APPROVING
from jejo.web.actions import htmx_only, page_action, require_scope
from jejo.web.context import CurrentViewer, Viewer
from jejo.web.templating import render

router = APIRouter(include_in_schema=False)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when the page is rendered."""
    return message


LABELS: dict[str, str] = {
    # finding status
    "open": N_("Open"),
    "acknowledged": N_("Acknowledged"),
    "dismissed": N_("Dismissed"),
    # finding kinds
    "anomaly": N_("Anomaly"),
    "quality": N_("Quality"),
    "rul": N_("Remaining life"),
    "spc": N_("SPC rule"),
    # model status
    "candidate": N_("Candidate"),
    "active": N_("In service"),
    "retired": N_("Retired"),
    # actions and their outcome
    "maintenance_order": N_("Maintenance order"),
    "hold_lot": N_("Lot hold"),
    "notify": N_("Notice"),
    "replan": N_("Re-plan"),
    "done": N_("Done"),
    "skipped": N_("Skipped"),
    "failed": N_("Action failed"),
    # drift of a model's inputs, champion / challenger
    "drift_stable": N_("Inputs stable"),
    "drift_moved": N_("Inputs moved"),
    "drift_drifted": N_("Inputs drifted — retrain"),
    "champion": N_("keep the active version"),
    "challenger": N_("promote this candidate"),
    "pending": N_("Awaiting approval"),
    "rejected": N_("Rejected"),
    "reverted": N_("Reverted"),
}

#: the roles a playbook may name to approve its actions
ROLE_LABELS: dict[str, str] = {
    "supervisor": N_("Supervisor"),
    "manager": N_("Plant manager"),
    "quality": N_("Quality staff"),
    "maintenance": N_("Maintenance staff"),
    "admin": N_("Administrator"),
}


def _labels(viewer: Viewer) -> dict[str, str]:
    return {k: viewer.tr.gettext(v) for k, v in LABELS.items()}


def _role_labels(viewer: Viewer) -> dict[str, str]:
    return {k: viewer.tr.gettext(ROLE_LABELS[k]) for k in ROLES_APPROVING}


@router.get("/ai")
def findings_page(
    request: Request, viewer: CurrentViewer, session: DB, status: str | None = Query(None, max_length=16)
) -> HTMLResponse:
    status = status if status in fd.STATUSES else None
    rows = [fd.finding_out(f) for f in fd.list_findings(session, viewer.company_id, status)]
    return render(
        request,
        "ai/findings.html",
        viewer.tr,
        viewer=viewer,
        rows=rows,
        status=status or "",
        L=_labels(viewer),
    )


@router.get("/ai/findings/{code}")
def finding_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    f = fd.get_finding(session, viewer.company_id, code)
    chart: dict[str, Any]
    try:
        chart = sc.finding_series(session, viewer.company_id, runtime(request).settings.ensure_data_dir(), f)
    except JejoError as exc:  # the model's file is gone or changed: show the finding without its chart
        chart = {"times": [], "signals": {}, "score": [], "threshold": 1.0, "error": str(exc)}
    actions = [pbs.action_out(a) for a in pbs.list_actions(session, viewer.company_id, finding_id=f.id)]
    return render(
        request,
        "ai/finding.html",
        viewer.tr,
        viewer=viewer,
        f=fd.finding_out(f),
        chart=chart,
        actions=actions,
        L=_labels(viewer),
    )


@router.post("/ai/findings/{code}/{verdict}")
async def feedback_action(
    request: Request, code: str, verdict: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """Acknowledge or dismiss (htmx); answers the finding's status cell."""
    page_action(request, viewer, "workorders:write")
    form = await request.form()
    note = str(form.get("note") or "").strip() or None
    if verdict == "acknowledge":
        f = fd.acknowledge(session, viewer.company_id, code, viewer.principal.name, note)
    elif verdict == "dismiss":
        f = fd.dismiss(session, viewer.company_id, code, viewer.principal.name, note)
    else:
        fd.get_finding(session, viewer.company_id, code)
        raise Forbidden(f"unknown action {verdict!r}")
    return render(
        request, "ai/_status.html", viewer.tr, viewer=viewer, f=fd.finding_out(f), L=_labels(viewer)
    )


def _models_ctx(session: Any, viewer: CurrentViewer) -> dict[str, Any]:
    rows = [registry.model_out(m) for m in registry.list_models(session, viewer.company_id)]
    # figures only; the champion / challenger and drift results have their own lines
    metric_keys = sorted({k for r in rows for k, v in r["metrics"].items() if not isinstance(v, dict)})
    return {"rows": rows, "metric_keys": metric_keys, "L": _labels(viewer)}


@router.get("/ai/models")
def models_page(request: Request, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    return render(request, "ai/models.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


@router.post("/ai/models/{name}/{version}/promote")
def promote_action(
    request: Request, name: str, version: int, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    page_action(request, viewer, "masterdata:write")
    registry.promote(session, viewer.company_id, name, version, viewer.principal.name)
    return render(request, "ai/_models_table.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


@router.post("/ai/models/{name}/rollback")
def rollback_action(request: Request, name: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    page_action(request, viewer, "masterdata:write")
    registry.rollback(session, viewer.company_id, name, viewer.principal.name)
    return render(request, "ai/_models_table.html", viewer.tr, viewer=viewer, **_models_ctx(session, viewer))


def _actions_ctx(session: Any, viewer: Viewer, flash: dict[str, Any] | None = None) -> dict[str, Any]:
    actions = [pbs.action_out(a) for a in pbs.list_actions(session, viewer.company_id, limit=100)]
    for a in actions:  # the buttons of those the service would let decide or revert
        a["may_decide"] = a["status"] == "pending" and may_decide(viewer, a["approve_role"])
        a["may_revert"] = a["can_revert"] and may_revert(viewer, a["approve_role"])
    return {"actions": actions, "flash": flash, "L": _labels(viewer), "R": _role_labels(viewer)}


@router.get("/ai/playbooks")
def playbooks_page(
    request: Request, viewer: CurrentViewer, session: DB, saved: str | None = Query(None, max_length=64)
) -> HTMLResponse:
    books = [pbs.playbook_out(p) for p in pbs.list_playbooks(session, viewer.company_id)]
    return render(
        request,
        "ai/playbooks.html",
        viewer.tr,
        viewer=viewer,
        books=books,
        saved=saved if saved in {b["code"] for b in books} else None,
        **_actions_ctx(session, viewer),
    )


# ---- the playbook editor ---------------------------------------------------------------------------

#: the form's fields are named as the problems of :func:`jejo.playbooks.service.parse_playbook` name them
TRIGGER_FIELDS = ("source", "kind", "equipment", "signal", "min_score", "max_score", "event_type")
PARAM_FIELDS: dict[str, tuple[str, ...]] = {
    "maintenance_order": ("kind", "description", "checklist", "plan_within_hours", "duration_minutes"),
    "hold_lot": ("reason",),
    "notify": ("message", "channel", "url", "to"),
    "replan": ("out_minutes",),
}
NUMBER_PARAMS = ("plan_within_hours", "duration_minutes", "out_minutes")
TEXT_FIELDS = (
    "code",
    "name",
    "action",
    "cooldown_minutes",
    "approve_role",
    *(f"trigger.{k}" for k in TRIGGER_FIELDS),
    *(f"params.{k}" for keys in PARAM_FIELDS.values() for k in keys),
)
NEW_PLAYBOOK: dict[str, Any] = {
    "code": "",
    "name": "",
    "enabled": True,
    "trigger": {"source": "finding", "equipment": "*"},
    "action": "maintenance_order",
    "params": {"kind": "request", "channel": "web"},
    "cooldown_minutes": 240,
    "approve_role": None,
}
#: what to tell the user about a field the service refused
FIELD_HINTS: dict[str, str] = {
    "code": N_("Letters, digits and . _ - / only, up to 64 characters."),
    "name": N_("Enter a name (up to 200 characters)."),
    "action": N_("Choose a response."),
    "approve_role": N_("Choose one of the roles, or none."),
    "cooldown_minutes": N_("Enter whole minutes from 0 to 43200 (30 days)."),
    "trigger.kind": N_("A lot hold needs a quality finding: only that names a lot."),
    "trigger.min_score": N_("Enter a number."),
    "trigger.max_score": N_("Enter a number."),
    "trigger.equipment": N_("Up to 64 characters."),
    "trigger.signal": N_("Up to 64 characters."),
    "trigger.event_type": N_("Up to 48 characters."),
    "params.plan_within_hours": N_("Enter a number above 0."),
    "params.duration_minutes": N_("Enter a number above 0."),
    "params.kind": N_("Choose request, preventive or breakdown."),
    "params.channel": N_("Choose the web inbox, a webhook or e-mail."),
    "params.url": N_("A webhook needs an address that starts with http:// or https://."),
    "params.to": N_("Enter the e-mail addresses, one per line."),
    "params.out_minutes": N_("Enter minutes from 1 to 10080 (7 days)."),
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _form_of(p: dict[str, Any]) -> dict[str, Any]:
    """A playbook (as :func:`jejo.playbooks.service.playbook_out` gives it) as the form's values."""
    trigger, params = p["trigger"], p["params"]
    v: dict[str, Any] = {
        "code": p["code"],
        "name": p["name"],
        "enabled": p["enabled"],
        "action": p["action"],
        "cooldown_minutes": _text(p["cooldown_minutes"]),
        "approve_role": p["approve_role"] or "",
    }
    v |= {f"trigger.{k}": _text(trigger.get(k)) for k in TRIGGER_FIELDS}
    v |= {f"params.{k}": _text(params.get(k)) for keys in PARAM_FIELDS.values() for k in keys}
    v["trigger.source"] = v["trigger.source"] or "finding"
    v["trigger.equipment"] = v["trigger.equipment"] or "*"
    v["params.kind"] = v["params.kind"] or "request"
    v["params.channel"] = v["params.channel"] or "web"
    v["params.checklist"] = "\n".join(map(str, params.get("checklist") or []))
    v["params.to"] = "\n".join(map(str, params.get("to") or []))
    return v


def _form_read(form: Any) -> dict[str, Any]:
    """The submitted form, as typed (to show it again when it does not validate)."""
    v: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in TEXT_FIELDS}
    v["enabled"] = form.get("enabled") == "on"
    return v


def _number(raw: str) -> float | int | str:
    """A number typed into the form; what is not one is passed on for the service to refuse."""
    try:
        x = float(raw.replace(",", ""))
    except ValueError:
        return raw
    return int(x) if x.is_integer() else x


def _params(v: dict[str, Any]) -> dict[str, Any]:
    """The chosen response's parameters; empty fields are left out (the service's defaults apply)."""
    out: dict[str, Any] = {}
    for key in PARAM_FIELDS.get(v["action"], ()):
        raw = v[f"params.{key}"]
        if key == "checklist":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                out[key] = items
        elif key == "to":
            if v["params.channel"] == "email":  # one address a line (or separated by commas)
                out[key] = [a.strip() for a in raw.replace(",", "\n").splitlines() if a.strip()]
        elif key == "url" and v["params.channel"] != "webhook":
            continue
        elif raw:
            out[key] = _number(raw) if key in NUMBER_PARAMS else raw
    return out


def _playbook_data(v: dict[str, Any]) -> dict[str, Any]:
    """The form's values as the playbook's plain data (as in its YAML file)."""
    source = v["trigger.source"] or "finding"
    keys = ("kind", "signal", "min_score", "max_score") if source == "finding" else ("event_type",)
    trigger = {"source": source, "equipment": v["trigger.equipment"] or "*"}
    trigger |= {k: v[f"trigger.{k}"] for k in keys if v[f"trigger.{k}"]}
    data: dict[str, Any] = {
        "code": v["code"],
        "name": v["name"],
        "enabled": v["enabled"],
        "trigger": trigger,
        "action": v["action"],
        "params": _params(v),
        "approve_role": v["approve_role"] or None,
    }
    if v["cooldown_minutes"]:
        data["cooldown_minutes"] = v["cooldown_minutes"]
    return data


def _problem_field(p: Problem) -> str:
    """The form field a problem is about; a check across the parameters names it in its reason."""
    field = p.field or ""
    if field in ("", "params") and (m := re.search(r"\bparams\.(\w+)", p.reason)):
        return f"params.{m.group(1)}"
    return field


def _form_errors(exc: JejoError, viewer: Viewer) -> tuple[dict[str, str], list[str]]:
    """The message for each field the service refused, and those it could not place on a field."""
    errors: dict[str, str] = {}
    general: list[str] = []
    for p in exc.problems or [Problem(reason=exc.detail)]:
        field = _problem_field(p)
        if field not in TEXT_FIELDS:
            general.append(str(p))
        elif field not in errors:
            hint = FIELD_HINTS.get(field)
            errors[field] = viewer.tr.gettext(hint) if hint else p.reason
    return errors, general


def _form(
    request: Request,
    viewer: Viewer,
    v: dict[str, Any],
    *,
    editing: bool,
    fragment: bool = False,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "ai/_playbook_form.html" if fragment else "ai/playbook_form.html",
        viewer.tr,
        viewer=viewer,
        status_code=status,
        v=v,
        editing=editing,
        errors=errors or {},
        general=general or [],
        L=_labels(viewer),
        R=_role_labels(viewer),
    )


def _save(request: Request, viewer: Viewer, session: Any, v: dict[str, Any], *, editing: bool) -> Response:
    """Validate and save the form; answer the form again with its problems, or send the browser to the
    list (htmx) once it is saved."""
    if not editing and _exists(session, viewer.company_id, v["code"]):
        errors = {"code": viewer.tr.gettext("A playbook with this code already exists.")}
        return _form(request, viewer, v, editing=False, fragment=True, errors=errors, status=422)
    data = _playbook_data(v)
    if editing:  # parameters the form does not show (set through the API) are kept
        old = pbs.playbook_out(pbs.get_playbook(session, viewer.company_id, v["code"]))
        if old["action"] == v["action"]:
            known = PARAM_FIELDS.get(v["action"], ())
            data["params"] = {k: x for k, x in old["params"].items() if k not in known} | data["params"]
    try:
        pbs.save_playbook(session, viewer.company_id, pbs.parse_playbook(data), viewer.principal.name)
    except ValidationError as exc:
        session.rollback()
        errors, general = _form_errors(exc, viewer)
        return _form(
            request, viewer, v, editing=editing, fragment=True, errors=errors, general=general, status=422
        )
    session.commit()  # saved before the browser follows the redirect
    return Response(status_code=204, headers={"HX-Redirect": f"/ai/playbooks?saved={quote(v['code'])}"})


def _exists(session: Any, company_id: int, code: str) -> bool:
    try:
        pbs.get_playbook(session, company_id, code)
    except NotFound:
        return False
    return True


@router.get("/ai/playbooks/new")
def new_playbook_page(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    require_scope(viewer, "masterdata:write")
    return _form(request, viewer, _form_of(NEW_PLAYBOOK), editing=False)


@router.post("/ai/playbooks/new")
async def create_playbook(request: Request, viewer: CurrentViewer, session: DB) -> Response:
    page_action(request, viewer, "masterdata:write")
    return _save(request, viewer, session, _form_read(await request.form()), editing=False)


@router.get("/ai/playbooks/{code:path}/edit")
def edit_playbook_page(request: Request, code: str, viewer: CurrentViewer, session: DB) -> HTMLResponse:
    pb = pbs.get_playbook(session, viewer.company_id, code)  # 404 before 403
    require_scope(viewer, "masterdata:write")
    return _form(request, viewer, _form_of(pbs.playbook_out(pb)), editing=True)


@router.post("/ai/playbooks/{code:path}/edit")
async def update_playbook(request: Request, code: str, viewer: CurrentViewer, session: DB) -> Response:
    pbs.get_playbook(session, viewer.company_id, code)
    page_action(request, viewer, "masterdata:write")
    v = _form_read(await request.form())
    v["code"] = code  # the code names the playbook; it is not edited
    return _save(request, viewer, session, v, editing=True)


# ---- approving, rejecting and reverting actions -----------------------------------------------------


def may_decide(viewer: Viewer, approve_role: str | None) -> bool:
    """Whether the viewer may approve or reject an action waiting for ``approve_role`` (as the service
    decides it: that role, or an administrator)."""
    roles = viewer.principal.roles
    return bool(approve_role) and (approve_role in roles or "admin" in roles)


def may_revert(viewer: Viewer, approve_role: str | None) -> bool:
    """Whether the viewer may revert a done action: with workorders:write, or as its approver would."""
    return viewer.can("workorders:write") or may_decide(viewer, approve_role)


def _decided_flash(viewer: Viewer, verb: str, a: dict[str, Any]) -> dict[str, Any]:
    tr = viewer.tr
    if a["status"] == "failed":
        return {"ok": False, "message": tr.gettext("Approved, but the action failed."), "detail": a["detail"]}
    message = {
        "approve": N_("Approved: the action was carried out."),
        "reject": N_("Rejected: nothing was done."),
        "revert": N_("Reverted."),
    }[verb]
    return {"ok": True, "message": tr.gettext(message), "detail": a["detail"]}


def _refused_flash(viewer: Viewer, exc: JejoError, role: str | None) -> dict[str, Any]:
    tr = viewer.tr
    if isinstance(exc, Forbidden) and role:
        who = tr.gettext(ROLE_LABELS.get(role, role))
        message = tr.gettext("Only %(role)s or an administrator may decide on this action.") % {"role": who}
    elif isinstance(exc, Conflict):
        message = tr.gettext("Not done: the action or what it made has moved on. The table shows it now.")
    else:
        message = tr.gettext("Not done.")
    return {"ok": False, "message": message, "detail": exc.detail}


@router.post("/ai/actions/{action_id}/{verb}")
async def decide_action(
    request: Request, action_id: int, verb: str, viewer: CurrentViewer, session: DB
) -> HTMLResponse:
    """Approve, reject (with an optional note) or revert a playbook's action (htmx); answers the actions
    table. Approving and rejecting need the role the playbook names (or admin); reverting needs
    workorders:write or that role — as the API and the service decide it."""
    role = pbs.get_action(session, viewer.company_id, action_id).playbook.approve_role  # 404 first
    htmx_only(request)
    allowed = {"approve": may_decide, "reject": may_decide, "revert": may_revert}.get(verb)
    if allowed is None:
        raise Forbidden(f"unknown action {verb!r}")
    if not allowed(viewer, role):
        raise Forbidden(f"needs workorders:write or the {role} role" if role else "needs workorders:write")
    form = await request.form()
    note = str(form.get("note") or "").strip()[:200] or None
    who, roles = viewer.principal.name, viewer.principal.roles
    try:
        if verb == "approve":
            a = pbs.approve_action(session, viewer.company_id, action_id, who, roles)
        elif verb == "reject":
            a = pbs.reject_action(session, viewer.company_id, action_id, who, roles, note)
        else:
            writer = viewer.can("workorders:write")
            a = pbs.revert_action(
                session, viewer.company_id, action_id, who, note, roles=None if writer else roles
            )
        flash, status = _decided_flash(viewer, verb, pbs.action_out(a)), 200
    except JejoError as exc:
        session.rollback()
        flash, status = _refused_flash(viewer, exc, role), exc.status
    return render(
        request,
        "ai/_actions_table.html",
        viewer.tr,
        viewer=viewer,
        status_code=status,
        **_actions_ctx(session, viewer, flash),
    )
