import csv

import pytest

HEADER = ["iccid", "imei", "server_id", "server_name", "server_url", "server_secret", "server_nonce", "client_name",
          "client_secret", "client_nonce", "conn_name", "apn", "bootstrap_url"]
PLANTED = "pl4nted-S3CRET"


def iccid(i: int) -> str:
    return f"8949449999{i:09d}"


def row(i: int, **over) -> list[str]:
    values = dict(iccid=iccid(i), imei=f"4901542032{i:05d}", server_id="com.example.dm", server_name="Example DM",
                  server_url="https://dm.example.com/dm", server_secret=f"{PLANTED}-{i}", server_nonce="MTIz",
                  client_name=f"dev{i}", client_secret=f"cs{i}", client_nonce="NDU2", conn_name="Internet",
                  apn="internet", bootstrap_url="https://boot.example.com/dm")
    values.update(over)
    return [values[h] for h in HEADER]


@pytest.fixture
def make_csv(tmp_path):
    def make(n: int, *, extra_rows=(), header=HEADER, name="cards.csv") -> str:
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            for i in range(n):
                w.writerow(row(i))
            for r in extra_rows:
                w.writerow(r)
        return str(path)

    return make
