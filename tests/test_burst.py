"""A burst of concurrent writes never stalls or breaks the site (a real server, real threads).

200 requests at once against one server: 60 votes (half with a junk session cookie) and 140
reads of the board and idea pages (half with a junk cookie). Nothing answers 5xx but 503
(busy, with Retry-After), every vote the server acknowledged is stored, and every read is
served. bench/burst.py runs the same burst and reports the latencies.
"""

from pathlib import Path

import pytest

from bench.burst import run_burst
from tests.helpers import IS_POSTGRES

pytestmark = pytest.mark.slow


@pytest.mark.skipif(IS_POSTGRES, reason="the burst runs its own SQLite server")
class TestWriteBurst:
    def test_writes_queue_readers_are_served_and_nothing_is_lost(self, tmp_path: Path) -> None:
        result, stored = run_burst(f"sqlite:///{tmp_path / 'burst.db'}", tmp_path)

        assert len(result.outcomes) == 200
        server_errors = [o for o in result.outcomes if o.status >= 500 and o.status != 503]
        assert server_errors == []
        assert all(o.status != 0 for o in result.outcomes), "a request got no answer"
        # Readers never wait behind the writers' queue, junk cookie or not.
        assert set(result.statuses("read")) == {200}
        assert set(result.statuses("read-junk")) == {200}
        # A junk cookie is nobody: asked to sign in, and it cost no write.
        assert set(result.statuses("vote-junk")) == {401}
        acknowledged = {(o.idea_id, o.email) for o in result.of("vote") if o.status == 303}
        assert acknowledged, "no vote got through"
        assert acknowledged <= stored
        assert set(result.statuses("vote")) <= {303, 503}
