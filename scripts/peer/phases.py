"""Wall time per phase of a reference job, printed with its counts."""
import time


class Phases:
    def __init__(self):
        self.started = self.last = time.time()
        self.seconds = {}

    def __call__(self, name):
        now = time.time()
        self.seconds[name] = round(now - self.last, 2)
        self.last = now

    def total(self):
        return round(time.time() - self.started, 2)
