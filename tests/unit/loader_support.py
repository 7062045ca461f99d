"""Shared test helpers."""

from __future__ import annotations

FULL = """\
qatui: 1
title: Django 4.2 upgrade
version: 2026.10
description: |
  Verify the upgrade.
notes:
  - title: Configuration notes
    kind: config
    text: Daphne on 9000, Gunicorn on 8001.
  - title: Rollback
    kind: rollback
    text: |
      git checkout v3 && docker compose up -d
settings:
  auto_run_probes: true
  jobs: 4
vars:
  api_user: qa
  port: 8001
from_env: [session_id, HOME]
secrets:
  api_password: {env: UPLINK_API_PASSWORD}
  deploy_key: {file: ~/.config/qatui/deploy_key}
environments:
  local:
    label: Local Docker (dev)
    default: true
    vars:
      base_url: http://localhost:${port}
      ws_url: ws://localhost:9000
    compose:
      project: uplink
      files: [docker-compose.yml, docker-compose.dev.yml]
      directory: ../app
  staging:
    vars: {base_url: https://staging.example.com, ws_url: wss://staging.example.com}
    docker_host: ssh://deploy@staging
  production:
    label: Production
    protected: true
    vars: {base_url: https://uplink.example.com, ws_url: wss://uplink.example.com}
logs:
  web: {service: web}
  huey: {service: huey, tail: 50, project: other}
  nginx: {container: uplink-nginx-1}
  app: {file: /var/log/uplink/app.log, errors: ['\\bERROR\\b', 'Traceback']}
  stg: {command: ssh staging docker logs -f web}
sections:
  - id: websockets
    title: WebSocket connections
    priority: MUST
    description: Channels 3 to 4
    location: Devices tracking page
    expected: The socket stays connected
    if_fails: Check devices/consumers.py
    logs: [web]
    items:
      - id: ws-connect
        title: WebSocket connection on port 9000
        steps:
          - Open the devices page
          - "Look for: WebSocket opened"
        expected: The socket opens
        tags: [channels, ws]
        probes:
          - id: ws-9000
            kind: websocket
            name: connect on 9000
            url: ${ws_url}/ws/devices/
            headers: {Cookie: "session=${session_id:-none}"}
            subprotocols: [v1]
            origin: http://localhost
            send: ['{"type": "ping"}', {type: subscribe, ids: [1, 2]}]
            close: true
            timeout: 5
            expect:
              messages:
                - {json: {type: pong}}
                - {regex: 'devices?'}
              max_ms: 500
            capture:
              first_type: {json: type}
              raw: {regex: 'id=(\\d+)'}
      - id: ws-8001-404
        title: WebSockets on 8001 give a 404
        location: Browser console
        if_fails: Nothing listens
        notes: Expected failure
        logs: [nginx, huey]
        destructive: true
        probes:
          - id: ws-8001
            kind: http
            url: ${base_url}/ws/devices/
            expect: {status: 404}
  - id: api
    title: API
    priority: should
    items:
      - id: token
        title: Get a token
        probes:
          - id: get-token
            kind: http
            method: post
            url: ${base_url}/api/token/
            headers: {Accept: application/json, X-Count: 5}
            query: {verbose: "1"}
            json: {username: "${api_user}", password: "${api_password}"}
            auth: {basic: ["${api_user}", "${api_password}"]}
            follow_redirects: false
            verify: false
            retry: {count: 3, interval: 0.5}
            expect:
              status: [200, 201]
              headers: {Content-Type: application/json}
              json:
                token: {type: string}
                $.count: 3
                results.0.sku: {matches: '^UPL-'}
                user.active: {exists: true}
                tags: {contains: admin}
                data: {equals: {a: 1}}
              body_contains: token
              body_matches: '"token":\\s*"'
              max_ms: 800
            capture:
              token: {json: token, secret: true}
              request_id: {header: X-Request-Id}
              csrftoken: {regex: 'csrf=(\\w+)'}
          - id: products
            kind: http
            url: ${base_url}/api/v1/products/
            form: {q: sku}
            auth: {token: "${token}"}
            verify: /etc/ssl/ca.pem
            until: 30
            expect: {status: 2xx}
          - id: bearer
            kind: http
            url: ${base_url}/api/me/
            body: raw text
            auth: {bearer: "${token}"}
            expect: {status: "200-299"}
  - id: infra
    title: Infrastructure
    priority: nice to have
    logs: [app]
    items:
      - id: checks
        title: manage.py check
        probes:
          - id: django-check
            kind: exec
            service: web
            run: python manage.py check --deploy
            user: app
            workdir: /srv
            env: {DJANGO_SETTINGS_MODULE: uplink.settings}
            expect:
              exit_code: 0
              stdout_contains: no issues
              stderr_contains: ""
              output_matches: 'System check identified (no|\\d+) issues?'
              not_contains: ERROR
              max_ms: 20000
            capture:
              django_version: {regex: 'Django (\\S+)', stream: both}
          - id: in-container
            kind: exec
            container: uplink-web-1
            argv: [python, -c, "print(1)"]
          - id: local-cmd
            kind: command
            run: echo $$HOME ${HOME:-/root} $PATH
            cwd: /tmp
            env: {LANG: C}
            destructive: true
            expect: {exit_code: 0}
            capture:
              home: {regex: '(/\\S+)', stream: stdout}
          - id: argv-cmd
            kind: command
            argv: [ls, -l]
          - id: db-port
            kind: tcp
            host: localhost
            port: 5432
            expect: {max_ms: 100}
          - id: db-port-var
            kind: tcp
            host: localhost
            port: ${port}
          - id: huey-clean
            kind: logs
            source: huey
            absent: '\\bERROR\\b'
          - id: huey-start
            kind: logs
            source: web
            present: Booting worker
            within: 10
            window: {lines: 200}
          - id: huey-window
            kind: logs
            source: stg
            absent: Traceback
            window: session
metrics:
  - id: token-time
    name: Token request
    probe: get-token
    threshold: 800
  - id: dj
    name: Django version number
    unit: ""
    capture: django_version
    notes: from manage.py
  - {id: manual, name: Page load, unit: s}
signoff:
  meaning: Approved for production deploy
  roles: [QA, Tech lead]
  require_critical_passed: false
  facts:
    Django version: django_version
"""
