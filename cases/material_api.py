"""``DELETE /api/v1/cases/{number}/materials/{file id}/``: the applicant takes a file off."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .access import visible_case
from .models import MaterialFile
from .selectors import case_answer
from .serializers import CaseDetailSerializer


class MaterialFileView(APIView):
    """One uploaded file of a case's material."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: CaseDetailSerializer,
            403: OpenApiResponse(description="不是申请人（code: permission_denied）"),
            404: OpenApiResponse(description="办件或文件不存在（code: not_found）"),
            409: OpenApiResponse(description="当前状态不能删除（code: invalid_transition）"),
        },
        tags=["cases"],
    )
    def delete(self, request, number: str, file_id: int) -> Response:
        """Remove the file (draft, or the files a supplement asks for); the case as it now is.

        The material is missing again when its last file goes. Replacing a file is removing
        it and uploading the new one (``POST …/materials/``).
        """
        case = visible_case(request.user, number)
        if case is None:
            raise Http404
        stored = get_object_or_404(
            MaterialFile.objects.select_related("material"), pk=file_id, material__case=case
        )
        services.material_file_remove(stored=stored, by=request.user)
        fresh = case_answer(case.pk)
        return Response(CaseDetailSerializer(fresh, context={"request": request}).data)
