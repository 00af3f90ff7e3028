# One image for both services; docker-compose.yml picks the entry point.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
RUN node scripts/build.js
ENV HOST=0.0.0.0 NODE_ENV=production
# Each service is sized for a 300 MB memory limit: see SERVICE_NODE_FLAGS in libs/platform/testing.
# (Not NODE_OPTIONS: the rebuild CLI, run from the same image, needs more for a large topic.)
CMD ["node", "--enable-source-maps", "--max-old-space-size=192", "dist/apps/command-service/src/main.js"]
