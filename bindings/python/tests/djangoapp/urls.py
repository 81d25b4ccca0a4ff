from django.http import HttpResponse, JsonResponse
from django.urls import path


def visit(request):
    request.session["visits"] = request.session.get("visits", 0) + 1
    return JsonResponse({"visits": request.session["visits"]})


def read(request):
    return JsonResponse(dict(request.session.items()))


def nothing(request):
    return HttpResponse("ok")


def login(request, user):
    # What django.contrib.auth.login does: a new key, then the user.
    request.session.cycle_key()
    request.session["user"] = user
    return HttpResponse("ok")


def logout(request):
    request.session.flush()
    return HttpResponse("ok")


def vanish(request):
    # Another request logs the session out while this one still runs.
    from connectdynamo.contrib.django import get_store
    request.session["during"] = True
    get_store().destroy(request.session.session_key)
    return HttpResponse("ok")


urlpatterns = [
    path("", visit),
    path("read", read),
    path("nothing", nothing),
    path("login/<str:user>", login),
    path("logout", logout),
    path("vanish", vanish),
]
