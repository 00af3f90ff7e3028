import { accountRefusalsOf, transferRefusalsOf } from '@tally/accounts-domain';
import { isRefusal } from '@tally/accounts-commands';
import { itKeepsTheCommittedOpenApi } from '@tally/testing';
import type { OpenAPIObject } from '@nestjs/swagger';
import { commandServiceOpenApi } from './openapi';

/** The refusal codes (not the other problems) a route's document gives an example for, by status. */
const documentedRefusals = (document: OpenAPIObject, path: string) => {
  const responses = document.paths[path].post!.responses as Record<
    string,
    { content?: Record<string, { examples?: Record<string, unknown> }> }
  >;
  const refusalsAt = (status: number) =>
    Object.keys(responses[status]?.content?.['application/problem+json']?.examples ?? {})
      .filter(isRefusal)
      .sort();
  return { 404: refusalsAt(404), 422: refusalsAt(422) };
};

describe("the command service's OpenAPI document", () => {
  itKeepsTheCommittedOpenApi('command-service', commandServiceOpenApi);

  it("documents on each write route exactly the refusals of its command's decider", async () => {
    const document = await commandServiceOpenApi();
    // The account in the URL missing (or someone else's) is a 404, every other refusal a 422.
    const inPath = (codes: readonly string[]) => ({
      404: ['account-not-found'],
      422: codes.filter((code) => code !== 'account-not-found').sort(),
    });
    expect(documentedRefusals(document, '/accounts')).toEqual({
      404: [],
      422: [...accountRefusalsOf.OpenAccount].sort(),
    });
    expect(documentedRefusals(document, '/accounts/{id}/deposits')).toEqual(
      inPath(accountRefusalsOf.DepositMoney),
    );
    expect(documentedRefusals(document, '/accounts/{id}/withdrawals')).toEqual(
      inPath(accountRefusalsOf.WithdrawMoney),
    );
    expect(documentedRefusals(document, '/accounts/{id}/close')).toEqual(
      inPath(accountRefusalsOf.CloseAccount),
    );
    // The service picks a new transfer's id, so `transfer-exists` is never answered.
    expect(documentedRefusals(document, '/transfers')).toEqual({
      404: [],
      422: transferRefusalsOf.RequestTransfer.filter((code) => code !== 'transfer-exists').sort(),
    });
  });
});
