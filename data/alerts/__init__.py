"""Alerts: rules evaluated continuously over the committed data, and their lifecycle.

- :mod:`data.alerts.rules`: the rule catalogue (code) and the tunable configuration (table
  ``alert_rule``);
- :mod:`data.alerts.engine`: evaluation (event-driven rules right after each commit, window
  rules every minute), "for" durations, dedupe, auto-resolution, escalation;
- :mod:`data.alerts.store`: every write (notes, audit, webhooks outbox, bus events);
- :mod:`data.alerts.leader`: exactly one evaluator among workers and hosts;
- :mod:`data.alerts.service`: the evaluator loop started with the server;
- :mod:`data.alerts.webhook`: delivery of the outbox (signed JSON POSTs with retries);
- :mod:`data.alerts.present`: what screens and the API show of an alert.

The SQL lives in :mod:`data.queries.alert_rules` (the rules) and :mod:`data.queries.alerts`
(reading alerts in a scope).
"""
