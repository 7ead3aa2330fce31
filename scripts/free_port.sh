# Sourced by scripts/bootstrap.sh and scripts/mosquitto_local.sh (not run on its own).
# free_port START: print the first port from START up that nothing on 127.0.0.1 listens on.
# Uses $PY when set (bootstrap.sh's interpreter), else python3.
free_port() {
  "${PY:-python3}" - "${1:?usage: free_port START}" <<'PYEOF'
import socket, sys
port = int(sys.argv[1])
while True:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            print(port)
            break
        except OSError:
            port += 1
PYEOF
}
