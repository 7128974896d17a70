# Harbor's developer and CI entry points. Everything runs from the project's own .venv;
# iop/devstack.py decides which PostgreSQL and Redis to use (see its docstring).

UV_VERSION := 0.13.8
PYTHON     := .venv/bin/python
# Inside .venv, so deleting .venv by hand also forces the next sync.
VENV_STAMP := .venv/.synced.stamp
SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)

# Production-like values for `check --deploy`; literals made for this check, used nowhere else.
DEPLOY_ENV := DEBUG=0 \
	SECRET_KEY=pDguscuFiT5sS5uTc4O6kAI9YdJ9MmK0MKs3G9XIh7b80t8JOKTCVBcP-QsIZnRF \
	ALLOWED_HOSTS=harbor.example.org \
	PUBLIC_BASE_URL=https://harbor.example.org \
	FIELD_ENCRYPTION_KEYS=Q-CdWVMcbZ77rG0TrzjYOomhLw7ROFQnjJiPT9NZT8M= \
	RECORDING_KEYS=deploy-check:VRjypVx47Ov2ybxyNBuSJ5w76F7VAI4GPMiMXgkF2DM= \
	SMS_BACKEND=twilio \
	EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	JITSI_BASE_URL=https://video.example.org \
	TRUSTED_PROXIES=172.30.0.10

.PHONY: venv chromium vendor run lint test suite clean

venv: $(VENV_STAMP)

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV_STAMP): .tools/bin/uv uv.lock pyproject.toml
	UV_PROJECT_ENVIRONMENT=.venv UV_PYTHON_DOWNLOADS=never \
		.tools/bin/uv sync --frozen --python python3.11
	touch $@

# Playwright drives Debian's chromium rather than downloading a browser build of its own.
chromium: /usr/bin/chromium

/usr/bin/chromium:
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium

# Browser libraries are committed under static/vendor/ (with their licences) so that `make run`
# needs only Python and no page loads a script from a CDN. This refreshes them from the npm
# registry at the versions package-lock.json pins; tests/test_vendor.py checks they agree.
# axe-core is for the browser tests only (tests/browser/test_accessibility.py injects it); no
# page loads it. DejaVu Sans is embedded in the PDF exports of the clinical record (records/export/),
# read from disk: no page loads it either.
VENDOR_LIVEKIT := static/vendor/livekit-client
VENDOR_AXE     := static/vendor/axe-core
VENDOR_DEJAVU  := static/vendor/dejavu-fonts

vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p $(VENDOR_LIVEKIT) $(VENDOR_AXE) $(VENDOR_DEJAVU)
	cp node_modules/livekit-client/dist/livekit-client.umd.js node_modules/livekit-client/LICENSE \
		$(VENDOR_LIVEKIT)/
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE $(VENDOR_AXE)/
	cp node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf \
		node_modules/dejavu-fonts-ttf/LICENSE $(VENDOR_DEJAVU)/

run: venv
	$(PYTHON) -m iop.devstack run

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

# The browser and the venv install side by side, then lint runs beside the suite (mypy on one
# core while the suite waits on its servers and sockets): CI's time is short.
test:
	$(MAKE) --no-print-directory -j2 venv chromium
	$(MAKE) --no-print-directory -j2 lint suite

suite: venv
	$(PYTHON) -m iop.devstack test -- sh -c '\
		set -e; \
		python manage.py makemigrations --check --dry-run; \
		$(DEPLOY_ENV) python manage.py check --deploy --fail-level WARNING; \
		pytest -n 2 --dist loadfile --durations=15'

# Leaves var/ (the embedded databases' data) alone.
clean:
	rm -rf .venv .tools
