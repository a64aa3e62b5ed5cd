"""Checks openapi/actions.yaml as ChatGPT Actions need it, and that it lists exactly the
server's routes (`debrief routes`), both ways. Exits non-zero with every problem found."""
import subprocess
import sys

import yaml

spec_path, debrief = sys.argv[1], sys.argv[2]
spec = yaml.safe_load(open(spec_path, encoding="utf-8"))
problems = []

if spec.get("openapi") != "3.1.0":
    problems.append("openapi must be 3.1.0")
if not spec.get("servers") or not spec["servers"][0].get("url", "").startswith("https://"):
    problems.append("servers[0].url must be an https URL")
schemes = spec.get("components", {}).get("securitySchemes", {})
if not any(s.get("type") == "http" and s.get("scheme") == "bearer" for s in schemes.values()):
    problems.append("a bearer security scheme is required")

METHODS = {"get", "put", "post", "delete", "patch"}
spec_routes, op_ids = set(), []
for path, item in spec.get("paths", {}).items():
    for method, op in item.items():
        if method not in METHODS:
            continue
        spec_routes.add(f"{method.upper()} {path}")
        op_id = op.get("operationId")
        if not op_id:
            problems.append(f"{method.upper()} {path}: no operationId")
        op_ids.append(op_id)
        for key in ("summary", "description"):
            if len(op.get(key, "")) > 300:
                problems.append(f"{op_id}: {key} is longer than 300 characters")
        for p in op.get("parameters", []):
            if len(p.get("description", "")) > 700:
                problems.append(f"{op_id}: parameter {p.get('name')} description is longer than 700 characters")
        sends = method == "post" and path == "/bulk-update"
        if sends and op.get("x-openai-isConsequential") is not True:
            problems.append(f"{op_id} sends email: it must have x-openai-isConsequential: true")
if len(op_ids) != len(set(op_ids)):
    problems.append("operationIds must be unique")

server_routes = set(subprocess.run([debrief, "routes"], capture_output=True, text=True, check=True).stdout.split("\n")) - {""}
for r in sorted(server_routes - spec_routes):
    problems.append(f"the server has {r} but the spec does not")
for r in sorted(spec_routes - server_routes):
    problems.append(f"the spec has {r} but the server does not")

for p in problems:
    print(f"openapi: {p}")
print(f"openapi: {len(spec_routes)} operations checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
