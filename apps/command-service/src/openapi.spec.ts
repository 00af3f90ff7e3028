import { committedOpenApi, committedOpenApiPath, redoclyLint } from '@tally/testing';
import { commandServiceOpenApi } from './openapi';

describe("the command service's OpenAPI document", () => {
  it('is the committed openapi/command-service.json (run `npm run openapi` and commit it when the API changes)', async () => {
    // Built by the same code as the one served at /docs-json (buildOpenApiDocument), without starting the service.
    expect(JSON.parse(JSON.stringify(await commandServiceOpenApi()))).toEqual(
      committedOpenApi('command-service'),
    );
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    expect(await redoclyLint(committedOpenApiPath('command-service'))).toEqual([]);
  });
});
