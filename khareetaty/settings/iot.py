"""IoT: the MQTT broker the device-event consumer reads, event limits, correlation, health."""

from khareetaty.env import env_int, env_secret, env_str

# --- IoT ---------------------------------------------------------------------------------
# The broker devices publish to. `make run` / `make test` start a project-local Mosquitto
# (scripts/mosquitto_local.sh; port in var/local.env); a deployment sets MQTT_HOST and its own
# broker's port and consumer credentials (docs/iot.md).
MQTT_HOST = env_str("MQTT_HOST", "127.0.0.1")
MQTT_PORT = env_int("KHAREETATY_MQTT_PORT", env_int("MQTT_PORT", 18830))
MQTT_USER = env_str("MQTT_USER", "khareetaty-consumer")
MQTT_PASSWORD = env_secret("MQTT_PASSWORD", "")
# The shared broker account of devices (the simulator and benchmark publish with it); each
# device still proves itself with its own key inside every message.
MQTT_DEVICE_USER = env_str("MQTT_DEVICE_USER", "khareetaty-device")
MQTT_DEVICE_PASSWORD = env_secret("MQTT_DEVICE_PASSWORD", "")
MQTT_TOPIC_ROOT = env_str("MQTT_TOPIC_ROOT", "khareetaty")
# The consumer's persistent session: the broker keeps its QoS-1 messages while it is away.
MQTT_CLIENT_ID = env_str("MQTT_CLIENT_ID", "khareetaty-consumer")
MQTT_KEEPALIVE = env_int("MQTT_KEEPALIVE", 30)
# Several consumers (each with its own MQTT_CLIENT_ID) share the stream when this names a
# shared-subscription group ($share/<group>/...): the broker gives each message to one of them.
MQTT_SHARED_GROUP = env_str("MQTT_SHARED_GROUP", "")
MQTT_RECONNECT_MAX_SECONDS = env_int("MQTT_RECONNECT_MAX_SECONDS", 30)
# The consumer stores what has arrived every this many milliseconds (or sooner when full).
IOT_BATCH_MAX = env_int("IOT_BATCH_MAX", 500)
IOT_BATCH_MS = env_int("IOT_BATCH_MS", 100)

# Limits of one event: a bigger payload, or a device time this far in the future, is
# rejected (and kept, with the reason). Events older than IOT_RETENTION_DAYS are rejected.
IOT_EVENT_MAX_BYTES = env_int("IOT_EVENT_MAX_BYTES", 16 * 1024)
IOT_HTTP_BATCH_MAX = env_int("IOT_HTTP_BATCH_MAX", 500)
IOT_CLOCK_SKEW_SECONDS = env_int("IOT_CLOCK_SKEW_SECONDS", 300)
# iot_events is partitioned by day: partitions exist this many days ahead, and those older
# than the retention are dropped (rejected events too).
IOT_PARTITION_DAYS_AHEAD = env_int("IOT_PARTITION_DAYS_AHEAD", 7)
IOT_RETENTION_DAYS = env_int("IOT_RETENTION_DAYS", 90)
# A device is silent when nothing came for heartbeat interval x this factor.
IOT_SILENT_FACTOR = env_int("IOT_SILENT_FACTOR", 3)
# A device is flagged when its events in the last IOT_RATE_WINDOW_MINUTES exceed this
# many times its daily average rate (and at least IOT_RATE_MIN_EVENTS).
IOT_RATE_WINDOW_MINUTES = env_int("IOT_RATE_WINDOW_MINUTES", 5)
IOT_RATE_FACTOR = env_int("IOT_RATE_FACTOR", 10)
IOT_RATE_MIN_EVENTS = env_int("IOT_RATE_MIN_EVENTS", 30)
# Correlation groups (defaults in iot/correlation_config.py): an env JSON file may replace
# them, e.g. {"gunshot": {"types": ["gunshot"], "radius_m": 400, "window_s": 10, ...}}.
IOT_CORRELATION_FILE = env_str("IOT_CORRELATION_FILE", "")
