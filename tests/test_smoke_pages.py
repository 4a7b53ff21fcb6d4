import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/communities/",
        "/communities/welding/",
        "/communities/welding/members/",
        "/communities/welding/charter/",
        "/communities/welding/charter/edit/",
        "/communities/welding/objectives/new/",
        "/communities/welding/edit/",
        "/communities/welding/stage/",
        "/communities/new/",
        "/people/",
        "/programme/",
        "/programme/settings/",
        "/programme/audit/",
    ],
)
def test_it_renders_for_the_office_in_both_languages(as_user, url):
    client = as_user("office")
    for lang in ("en", "fr"):
        client.cookies["django_language"] = lang
        response = client.get(url)
        assert response.status_code == 200, (url, lang)
        assert f'lang="{lang}"' in response.content.decode()
