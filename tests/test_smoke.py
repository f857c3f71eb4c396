from grants_app.models import Application


def test_factory_reaches_in_delivery_through_fire(make, session):
    app, _officer = make.in_delivery()
    assert app.state == "in_delivery"
    assert session.get(Application, app.id).award.amount_pence == app.amount_requested_pence
    assert len(app.monitoring_returns) >= 1
