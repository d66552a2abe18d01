# The rtcflow image: the worker (the default command, `node dist/worker.js`); with another command the HTTP
# API (`node dist/api.js`) or the vendor emulator (`node dist/emulator/main.js --host 0.0.0.0`).
# Two stages: the build needs the dev dependencies (tsc, the workflow bundler); the image keeps the production
# dependencies and the compiled dist/ with its prebuilt workflow bundle, so the worker starts without webpack
# and nothing runs TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV RTCFLOW_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
# npm ci refuses a lock file written where some platforms' optional binaries were unavailable; install from it then.
# No install scripts: the image needs no Temporal CLI (scripts/postinstall.js), and the build none of theirs.
RUN npm ci --ignore-scripts || npm install --no-save --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production RTCFLOW_SKIP_TEMPORAL_INSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts || npm install --omit=dev --no-save --ignore-scripts
# the one patch to the Temporal SDK (RTCFLOW_WORKER_STACK_TRACES=off; README, "Building and installing")
COPY patches ./patches
RUN npx --no-install patch-package --error-on-fail
COPY bin ./bin
COPY --from=build /app/dist ./dist
USER node
CMD ["node", "dist/worker.js"]
