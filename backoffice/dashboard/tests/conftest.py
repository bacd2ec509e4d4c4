from backoffice.shop.tests.conftest import catalog, fedex, root, team  # noqa: F401
