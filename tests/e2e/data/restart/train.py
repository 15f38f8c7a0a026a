# For the training e2e test's daemon-restart case: one line, a pause during which the test
# SIGKILLs and restarts the daemon, another line.
import time

print("first line, before the daemon is killed", flush=True)
time.sleep(4)
print("second line, written while the daemon was down or just back", flush=True)
