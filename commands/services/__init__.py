"""Every write of the commands app. Modules: ``alerts`` (raise, acknowledge, resolve,
suppress, manual), ``rules`` (evaluation), ``escalation``, ``deliveries`` (send, callbacks,
fallback), ``replies`` (SMS reply codes), ``tasks`` (field tasks and teams)."""
