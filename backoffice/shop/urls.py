from django.urls import path

from backoffice.shop.views import catalog, checkout

app_name = "shop"

urlpatterns = [
    path("", catalog.catalog, name="catalog"),
    path("p/<str:sku>/", catalog.product_detail, name="product"),
    path("cart/", catalog.cart, name="cart"),
    path("cart/add/<int:product_id>/", catalog.cart_add, name="cart-add"),
    path("cart/<int:product_id>/", catalog.cart_update, name="cart-update"),
    path("cart/<int:product_id>/remove/", catalog.cart_remove, name="cart-remove"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/totals/", checkout.checkout_totals, name="checkout-totals"),
    path("checkout/<str:number>/pay/", checkout.pay, name="pay"),
]
