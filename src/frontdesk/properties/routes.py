"""/frontdesk/v1/properties: the conversation properties (built-ins and custom ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from frontdesk.api.deps import AdminDep, DbDep, UserDep
from frontdesk.api.responses import JsonResponse, created
from frontdesk.properties import service as property_service
from frontdesk.properties.schemas import (
    PropertyCreate,
    PropertyUpdate,
    options_in,
    property_json,
)

router = APIRouter(prefix="/frontdesk/v1")

PropertyName = Annotated[str, Path(alias="propertyName", max_length=100)]


@router.get("/properties")
async def list_properties(
    _principal: UserDep,
    db: DbDep,
    archived: Annotated[bool, Query(description="Also list archived custom ones")] = False,
) -> JsonResponse:
    """Every conversation property: the built-ins (priority, category), then custom ones."""
    async with db.read() as uow:
        live = await property_service.list_definitions(uow)
        gone = await property_service.list_archived_definitions(uow) if archived else []
    results = [property_json(d) for d in live] + [property_json(d, archived=True) for d in gone]
    return JsonResponse({"results": results})


@router.post("/properties", status_code=201)
async def create_property(body: PropertyCreate, _admin: AdminDep, db: DbDep) -> JsonResponse:
    """Define a custom property: lower_snake_case name, type, options for enumerations."""
    async with db.transaction() as uow:
        definition = await property_service.create_definition(
            uow, name=body.name, label=body.label, type=body.type, options=options_in(body.options)
        )
    return created(property_json(definition), f"/frontdesk/v1/properties/{definition.name}")


@router.patch("/properties/{propertyName}")
async def update_property(
    name: PropertyName, body: PropertyUpdate, _admin: AdminDep, db: DbDep
) -> JsonResponse:
    """Relabel a custom property or change an enumeration's options (category's too)."""
    async with db.transaction() as uow:
        definition = await property_service.update_definition(
            uow, name=name, label=body.label, options=options_in(body.options)
        )
    return JsonResponse(property_json(definition))


@router.delete("/properties/{propertyName}")
async def archive_property(name: PropertyName, _admin: AdminDep, db: DbDep) -> Response:
    """Archive a custom property (never deleted: threads keep their values)."""
    async with db.transaction() as uow:
        await property_service.archive_definition(uow, name=name)
    return Response(status_code=204)
