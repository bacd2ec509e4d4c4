from django.urls import path

from backoffice.shop.views import storefront

app_name = "storefront"

urlpatterns = [
    path("<str:distributor_id>/", storefront.home, name="home"),
    path(
        "<str:distributor_id>/p/<str:sku>/", storefront.product_detail, name="product"
    ),
    path("<str:distributor_id>/cart/", storefront.cart, name="cart"),
    path(
        "<str:distributor_id>/cart/add/<int:product_id>/",
        storefront.cart_add,
        name="cart-add",
    ),
    path(
        "<str:distributor_id>/cart/<int:product_id>/",
        storefront.cart_update,
        name="cart-update",
    ),
    path(
        "<str:distributor_id>/cart/<int:product_id>/remove/",
        storefront.cart_remove,
        name="cart-remove",
    ),
    path("<str:distributor_id>/checkout/", storefront.checkout, name="checkout"),
    path(
        "<str:distributor_id>/checkout/totals/",
        storefront.checkout_totals,
        name="checkout-totals",
    ),
    path(
        "<str:distributor_id>/order/<str:number>/",
        storefront.confirmation,
        name="order",
    ),
    path("<str:distributor_id>/checkout/<str:number>/pay/", storefront.pay, name="pay"),
]
