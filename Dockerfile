# The rtcflow worker (and, with another command, the vendor emulator) for docker-compose.yml.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production RTCFLOW_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
COPY src/temporal ./src/temporal
COPY tools ./tools
RUN npm ci --omit=dev
COPY . .
USER node
CMD ["npx", "tsx", "worker.ts"]
