# syntax=docker/dockerfile:1
# The gateway for production-like runs (see docker-compose.yml for it with MySQL 8).
# Written with care but never built here: this machine has no Docker engine.

# ---- build: install everything, compile, then drop the dev dependencies
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary; the toolchain is there for when none matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ormconfig.ts ./
COPY src ./src
COPY seeds ./seeds
COPY bench ./bench
COPY schema ./schema
COPY web ./web
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled code and production dependencies only, as the unprivileged node user
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
# The dashboard's and GraphiQL's pages (their libraries come from node_modules).
COPY --from=build /app/web ./web
# The embedded database (the default DATABASE_URL, sqlite:./data/gaodu.sqlite) lives here.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# node itself is PID 1 here and handles SIGTERM: in-flight requests finish, the pool closes, then it exits.
CMD ["node", "dist/src/index.js"]
