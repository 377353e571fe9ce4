"""The one place where the window meets the core.

Every core service the UI uses enters here, so the views depend on these small shapes and not on
each core module's details:

- conversations: the conversation and message shapes, kept for this session or in the history
- generations: an answer being produced and the Answer it ends in
- warm_up: the heavy imports made once, right after the window opens
- window_services: Services, what one window needs from the core
"""
from .conversations import Conversation, ConversationStore, HistoryConversations, Message, SessionConversations
from .generations import Answer, EngineGeneration, Generation, RagGeneration
from .warm_up import WARM_UP, warm_up
from .window_services import Services, Unavailable

__all__ = ["WARM_UP", "Answer", "Conversation", "ConversationStore", "EngineGeneration", "Generation",
           "HistoryConversations", "Message", "RagGeneration", "Services", "SessionConversations", "Unavailable",
           "warm_up"]
