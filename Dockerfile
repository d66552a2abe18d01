# The rtcflow worker (and, with another command, the vendor emulator: emulator/main.ts) for docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production RTCFLOW_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
COPY src/temporal ./src/temporal
COPY tools ./tools
# npm ci refuses a lock file written where some platforms' optional binaries were unavailable; install from it then
RUN npm ci --omit=dev || npm install --omit=dev --no-save
COPY . .
USER node
CMD ["npx", "tsx", "worker.ts"]
