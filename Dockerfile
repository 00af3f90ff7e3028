# One image for both services and their command-line tools; docker-compose.yml picks the entry point.
# Stage 1 compiles with the dev dependencies; the runtime stage has production dependencies only and
# runs as the unprivileged `node` user. Keep the Node version in step with .nvmrc.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# patch-package applies patches/ after each install (kafkajs on Node 24: see patches/README.md).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
RUN node scripts/build.js apps libs

FROM node:24-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts/token.js scripts/local-auth.js ./scripts/
COPY scripts/lib/help.js ./scripts/lib/
COPY infra/docker/healthcheck.js ./infra/docker/healthcheck.js
USER node
EXPOSE 3001 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 CMD ["node", "infra/docker/healthcheck.js"]
# Each service is sized for a 300 MB memory limit: see SERVICE_NODE_FLAGS in libs/platform/testing.
# (Not NODE_OPTIONS: the rebuild CLI, run from the same image, needs more for a large history.)
CMD ["node", "--enable-source-maps", "--max-old-space-size=192", "--max-semi-space-size=16", "dist/apps/command-service/src/main.js"]
