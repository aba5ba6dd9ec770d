# One image for every service: build once, run any app by argument.
#   docker build -t gesture-ledger .
#   docker run gesture-ledger ledger-api        (or: gesture-ledger, the all-in-one main job)
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim AS run
# Every app listens on 3000, whichever variable it reads, so EXPOSE and the HEALTHCHECK fit all of them.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 PROJECTOR_PORT=3000 OPERATIONS_PORT=3000 DATA_DIR=/data
# The heap cap keeps RSS under 300 MB: every in-memory cache is bounded, so the live set fits and V8
# collects before growing the heap instead of after. A 32 MB nursery (twice V8's default) lets a request's
# or a batch's garbage die young instead of being promoted: ~8 % less CPU per gesture and per relayed event,
# for ~20 MB more RSS (README, "Benchmarks"). An old generation that starts at 96 MB rather than a few MB
# lets the heap use its budget before collecting: a rebuild's and a request's medium-lived garbage no longer
# sets off a full mark-compact every ~100 ms (~10 % less CPU per gesture, ~25 % per rebuilt event). That
# flag is on the ENTRYPOINT's command line: Node refuses to start with it in NODE_OPTIONS.
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=32"
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/bin/sh", "-c", "exec node --initial-old-space-size=96 dist/apps/${0}/src/main.js"]
CMD ["gesture-ledger"]
