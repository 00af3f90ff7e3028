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
CMD ["node", "--enable-source-maps", "dist/apps/command-service/src/main.js"]
