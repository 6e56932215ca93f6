"""Issue 19, item 13: a benchmark that fails says so in one typed line (never exit 70), and the unit tests
run only the in-process benchmarks (tests/cli/test_cli.py)."""

from cardboot.cli.main import main


def test_a_failing_benchmark_is_one_typed_line(monkeypatch, capsys):
    import cardboot.bench.server as server

    def broken():
        import httpx

        raise httpx.RemoteProtocolError("Server disconnected\nwithout sending a response.")

    monkeypatch.setattr(server, "bench_server", broken)
    assert main(["bench", "server"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("cardboot: error: benchmark server failed: RemoteProtocolError")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
