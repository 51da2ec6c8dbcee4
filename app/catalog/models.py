from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.dtos import Dto
from app.extensions import db
from app.openapi import BOOLEAN, INTEGER, STRING, nullable

CAPABILITIES = (
    "hasTextInput", "hasImageInput", "hasAudioInput", "hasVideoInput",
    "hasTextOutput", "hasImageOutput", "hasAudioOutput", "hasVideoOutput",
    "hasFunctionCalling", "hasStreaming", "hasSystemMessages", "hasReasoning",
    "supportsFineTuning", "supportsWebSearch",
)


class AIModel(db.Model):
    """An AI model: global (customer_id NULL, shipped as data) or a customer's own."""

    __tablename__ = "ai_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE", use_alter=True), nullable=True, index=True
    )
    purpose: Mapped[str | None] = mapped_column(String(200))
    model_name: Mapped[str] = mapped_column(String(100))
    api_model_name: Mapped[str] = mapped_column(String(100))
    has_text_input: Mapped[bool] = mapped_column(Boolean, default=True)
    has_image_input: Mapped[bool] = mapped_column(Boolean, default=False)
    has_audio_input: Mapped[bool] = mapped_column(Boolean, default=False)
    has_video_input: Mapped[bool] = mapped_column(Boolean, default=False)
    has_text_output: Mapped[bool] = mapped_column(Boolean, default=True)
    has_image_output: Mapped[bool] = mapped_column(Boolean, default=False)
    has_audio_output: Mapped[bool] = mapped_column(Boolean, default=False)
    has_video_output: Mapped[bool] = mapped_column(Boolean, default=False)
    has_function_calling: Mapped[bool] = mapped_column(Boolean, default=False)
    has_streaming: Mapped[bool] = mapped_column(Boolean, default=False)
    has_system_messages: Mapped[bool] = mapped_column(Boolean, default=True)
    has_reasoning: Mapped[bool] = mapped_column(Boolean, default=False)
    supports_fine_tuning: Mapped[bool] = mapped_column(Boolean, default=False)
    supports_web_search: Mapped[bool] = mapped_column(Boolean, default=False)
    required_subscription_level: Mapped[int] = mapped_column(Integer, default=1)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    show_in_primary_list: Mapped[bool] = mapped_column(Boolean, default=True)
    compatible_usages: Mapped[list] = mapped_column(JSON, default=list)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_fine_tuned: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def is_global(self) -> bool:
        return self.customer_id is None

    def capability(self, dto_name: str) -> bool:
        """Read a capability by its DTO name (hasTextInput -> has_text_input)."""
        snake = "".join("_" + c.lower() if c.isupper() else c for c in dto_name)
        return bool(getattr(self, snake))

    def to_dto(self) -> dict:
        return AI_MODEL.dump(self)


def _capability(name: str):
    return lambda model: model.capability(name)


# What GET /api/Customers/models lists.
AI_MODEL = Dto("CustomerModelDTO", {
    "modelID": (INTEGER, "id"),
    "customerID": (nullable(INTEGER), "customer_id"),
    "purpose": (nullable(STRING), "purpose"),
    "modelName": (STRING, "model_name"),
    "apiModelName": (STRING, "api_model_name"),
    **{name: (BOOLEAN, _capability(name)) for name in CAPABILITIES},
    "requiredSubscriptionLevel": (INTEGER, "required_subscription_level"),
    "isGlobal": (BOOLEAN, "is_global"),
    "isDefault": (BOOLEAN, "is_default"),
    "showInPrimaryList": (BOOLEAN, "show_in_primary_list"),
    "compatibleUsages": ({"type": "array", "items": STRING}, lambda model: list(model.compatible_usages or [])),
    "isActive": (BOOLEAN, "is_active"),
    "isFineTuned": (BOOLEAN, "is_fine_tuned"),
})
