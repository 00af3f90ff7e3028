// The image's HEALTHCHECK: healthy while the service answers /health/ready with 200 within 2 s. Both
// services share the image, so the URL comes from HEALTHCHECK_URL (docker-compose.yml sets it per
// service); the default is the command service's port.
const url = process.env.HEALTHCHECK_URL || 'http://127.0.0.1:3001/health/ready';

fetch(url, { signal: AbortSignal.timeout(2000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
