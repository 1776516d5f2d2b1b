"""The care hub: where a district's speakers report, and caregivers answer.

    api.py          the device API: events in, acknowledgement state out
    events.py       the envelope, its validation, and what storing one changes
    alerts.py       an alert's life: raised, acknowledged, noted, resolved
    escalation.py   down the contact chain while nobody acknowledges
    notify.py       webhook (HMAC-signed) and e-mail, retried per delivery
    activity.py     signs of life per source; inactivity and speaker-offline alerts
    retention.py    how long things are kept; a resident's export and erasure
    dashboard.py    the caregivers' Korean pages (templates/, static/); charts.py draws their charts
    audit.py        who saw and did what
    people.py       caregivers, residents, contact chains, devices; who may see whom
    security.py     passwords, device and session tokens
    hub.py          the parts together, and the tick that drives the clock-bound work
    app.py          the web application around api.py and dashboard.py
    models.py       the tables; migrations/ changes them, db.py connects and migrates
    config.py       settings from the environment; clock.py, where the time comes from
    cli.py          `carehub`
"""
