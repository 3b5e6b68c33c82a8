# syntax=docker/dockerfile:1
# One image for every process; the command chooses which (see docker-compose.yml):
#   node apps/api/dist/main.js | node apps/coordinator/dist/main.js | node apps/worker/dist/main.js --agents all
# Configuration comes from the environment only (.env.example lists it).

# ---- build: install everything, compile every workspace, then keep production dependencies only
# Node.js 26 is the Active LTS line (since 2026-10-28, .nvmrc); the code also runs on Node 20.19+ (package.json engines).
FROM node:26-slim AS build
# The lockfile's npm (packageManager): it honours package.json "allowScripts", so only approved install scripts run.
RUN npm install -g npm@11.19.1 --no-audit --no-fund --loglevel=error
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund --loglevel=error
RUN npm run build
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf .turbo apps/*/.turbo packages/*/.turbo apps/*/test \
 && find apps packages -maxdepth 2 -name src -type d -prune -exec rm -rf {} + \
 && find apps packages -name '*.tsbuildinfo' -delete

# ---- runtime: Node 26 (the current LTS), production dependencies and compiled output, unprivileged
FROM node:26-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# 8080: the API (and its /metrics, /livez, /readyz); 9464: METRICS_PORT of coordinators and workers.
EXPOSE 8080 9464
# Readiness of whichever process this is: the API on PORT, the others on METRICS_PORT.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const p=process.env.METRICS_PORT&&process.env.METRICS_PORT!=='0'?process.env.METRICS_PORT:process.env.PORT;fetch('http://127.0.0.1:'+p+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (in-flight jobs finish within MESH_SHUTDOWN_GRACE_MS, then are handed back).
STOPSIGNAL SIGTERM
CMD ["node", "apps/api/dist/main.js"]
