"""The webhook notification channel (``commands.notify.webhook``)."""

from khareetaty.env import env_int, env_networks

# --- Webhooks -----------------------------------------------------------------------------
# Seconds to connect and, separately, to wait for the answer; a timeout is retried.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
# No webhook is sent to these (a destination naming or resolving to one is refused): this
# host, link-local (cloud metadata), "this network", multicast. Partner agencies on private
# networks (10/8, 172.16/12, 192.168/16) are allowed; add them here to refuse them.
WEBHOOK_BLOCKED_NETWORKS = env_networks(
    "WEBHOOK_BLOCKED_NETWORKS",
    [
        "127.0.0.0/8",
        "::1/128",
        "0.0.0.0/8",
        "::/128",
        "169.254.0.0/16",
        "fe80::/10",
        "224.0.0.0/4",
        "ff00::/8",
    ],
)
