"""What anyone holding a product may learn from its public code: no token, no personal data,
and only for a lot its holder made public (docs/security.md, "When a lot becomes public")."""

from dataclasses import dataclass

from api.application.events import VerifiedChain
from api.application.ports import BatchRepository, PublicReadRepository
from api.domain.batches import Batch
from api.domain.epcis.identifiers import gtin14, gtin_problem
from api.domain.errors import NotFound
from api.domain.events import verify

MAX_CODE_LENGTH = 64


def plausible_code(code: str) -> bool:
    # Anything else cannot be a code; asking the database would only cost (or fail, for NUL).
    return 0 < len(code) <= MAX_CODE_LENGTH and code.isprintable()


@dataclass(frozen=True)
class PublicBatch:
    batch: Batch
    parent_code: str | None
    chain: VerifiedChain
    # What the view was read at (PublicRecords.version); None: not tracked.
    version: str | None = None


@dataclass
class PublicRecords:
    batches: BatchRepository
    reads: PublicReadRepository

    async def by_code(self, code: str) -> PublicBatch:
        found = await self.reads.snapshot(code) if plausible_code(code) else None
        if found is None or not found.batch.is_public:
            # The same answer for every code that names no public batch, so answers reveal
            # nothing about others: not even that a private lot has this code.
            raise NotFound("no batch has this code")
        # Checked when the chain last changed; checked here only if its rows changed since
        # behind the API's back (or were never checked: the store says which).
        result = found.verdict
        if result is None:
            result = verify(found.events, [(t.tx_hash, t.anchor_hash) for t in found.transactions])
        chain = VerifiedChain(found.events, found.transactions, result)
        return PublicBatch(found.batch, found.parent_code, chain, found.version)

    async def version(self, code: str) -> str:
        """What names the public view's current content (see PublicReadRepository.version),
        without reading the chain; the public view's 404 for any code it would refuse."""
        found = await self.reads.version(code) if plausible_code(code) else None
        if found is None:
            raise NotFound("no batch has this code")
        return found

    async def published(self, code: str) -> Batch:
        """The public batch with this public code; the same 404 as the public view otherwise."""
        batch = await self.batches.by_public_code(code) if plausible_code(code) else None
        if batch is None or not batch.is_public:
            raise NotFound("no batch has this code")
        return batch

    async def by_digital_link(self, gtin: str, lot: str) -> Batch:
        """The public batch a GS1 Digital Link names: its lot (AI 10) is the public code and its
        product has this GTIN, with a right check digit. Anything else is the public view's 404,
        so a link tells nothing of lots that are not public, nor of GTINs."""
        batch = None if gtin_problem(gtin) else await self.published(lot)
        if batch is None or batch.gtin != gtin14(gtin):
            raise NotFound("no batch has this code")
        return batch
