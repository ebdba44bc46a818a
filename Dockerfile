# One image for all three processes of the distributed mode (web, sync, worker).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000 3001 3002
CMD ["node", "scripts/start.mjs", "embedded"]
