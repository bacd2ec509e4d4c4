from django.urls import path

from backoffice.shop.views import staff

app_name = "fulfilment"

urlpatterns = [
    path("", staff.queue, name="queue"),
    path("stock/", staff.stock, name="stock"),
    path("stock/<int:pk>/", staff.restock, name="restock"),
    path("returns/", staff.return_inbox, name="returns"),
    path("returns/<int:pk>/", staff.return_page, name="return"),
    path("returns/<int:pk>/approve/", staff.approve_return, name="return-approve"),
    path("returns/<int:pk>/reject/", staff.reject_return, name="return-reject"),
    path("returns/<int:pk>/receive/", staff.receive_return, name="return-receive"),
    path("returns/<int:pk>/refund/", staff.refund_return, name="return-refund"),
    path("<str:number>/", staff.order_page, name="order"),
    path("<str:number>/processing/", staff.mark_processing, name="processing"),
    path("<str:number>/ship/", staff.ship, name="ship"),
    path("<str:number>/deliver/", staff.deliver, name="deliver"),
    path("<str:number>/cancel/", staff.cancel, name="cancel"),
    path(
        "<str:number>/refunds/<int:refund_id>/retry/",
        staff.retry_refund,
        name="refund-retry",
    ),
]
