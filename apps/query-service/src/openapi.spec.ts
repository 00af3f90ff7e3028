import { itKeepsTheCommittedOpenApi } from '@tally/testing';
import { queryServiceOpenApi } from './openapi';

describe("the query service's OpenAPI document", () => {
  itKeepsTheCommittedOpenApi('query-service', queryServiceOpenApi);
});
