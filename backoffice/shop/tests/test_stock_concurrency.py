import threading
import uuid

import pytest
from django.db import connection

from backoffice.network.models import Distributor
from backoffice.shop import actions
from backoffice.shop.models import Order, Product, StockMovement
from backoffice.shop.tests.conftest import ship_to_ca


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_sell_more_than_the_stock(team, catalog, fedex):
    coffee, tea = catalog["501"], catalog["504"]
    Product.objects.filter(pk=coffee.pk).update(stock=3)
    Product.objects.filter(pk=tea.pk).update(stock=100)
    buyers = [team["alice"], team["bob"], team["charlie"], team["root"]] * 2
    results: list[object] = []
    barrier = threading.Barrier(len(buyers))

    def attempt(index: int, buyer_pk: int) -> None:
        try:
            buyer = Distributor.objects.select_related("user").get(pk=buyer_pk)
            # Half list the products one way round, half the other: locking in
            # primary-key order means neither order can deadlock the other.
            items = [(coffee.pk, 1), (tea.pk, 1)]
            if index % 2:
                items.reverse()
            barrier.wait()
            order = actions.place_order(
                distributor=buyer,
                items=items,
                delivery=ship_to_ca(fedex),
                email=buyer.user.email,
                idempotency_key=uuid.uuid4().hex,
                buyer=buyer.user,
            )
            results.append(order.number)
        except actions.ShopError as error:
            results.append(error.message)
        except Exception as error:  # noqa: BLE001 - the test reports any other failure
            results.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(i, buyer.pk))
        for i, buyer in enumerate(buyers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not [r for r in results if isinstance(r, Exception)], results
    placed = [r for r in results if isinstance(r, str) and r.startswith("GX-")]
    refused = [r for r in results if isinstance(r, str) and not r.startswith("GX-")]
    assert len(placed) == 3
    assert len(refused) == 5
    assert set(refused) == {"Ganocafé 3-in-1 is out of stock."}
    assert Order.objects.count() == 3
    assert Product.objects.get(pk=coffee.pk).stock == 0
    assert Product.objects.get(pk=tea.pk).stock == 97
    assert StockMovement.objects.filter(product=coffee).count() == 3
