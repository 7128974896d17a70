from tests.conftest import sign_in

def test_smoke(client_profile):
    r = sign_in(client_profile.user).get("/accounts/portal/")
    assert r.status_code == 200
