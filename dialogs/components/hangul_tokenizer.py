"""Tokenizers that keep Hangul.

Rasa 3.6's WhitespaceTokenizer drops every token that its emoji pattern
matches in full, and that pattern's range U+24C2..U+1F251 covers all of
Hangul (and CJK). A Korean sentence therefore loses every word whenever one
token with a digit or a Latin letter survives ("119 불러 줘" becomes "119"),
and without such a token it collapses into a single token (the whole text).

HangulSyllableTokenizer is the one dialogs/config.yml uses;
HangulWhitespaceTokenizer is the same fix for whitespace words, kept for the
pipeline it is compared with (bench/pipelines/whitespace-words.yml).
"""
from __future__ import annotations

import regex
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

# One Hangul syllable, or a run of other letters and digits ("119", "ok").
_SYLLABLE_OR_RUN = regex.compile(r"[\uac00-\ud7a3]|[^\W\uac00-\ud7a3]+")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HangulWhitespaceTokenizer(WhitespaceTokenizer):
    def remove_emoji(self, text: str) -> str:
        # Letters (Hangul, Hanja, kana) are words; pictographs and symbols are not.
        if any(ch.isalnum() for ch in text):
            return text
        return super().remove_emoji(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class HangulSyllableTokenizer(WhitespaceTokenizer):
    """One token per Hangul syllable, spaces ignored: the recogniser's spacing is its own.

    "먹었 어요", "먹었어요" and "먹 었어 요" give the same tokens, and n-grams
    over them (CountVectorsFeaturizer, analyzer word) the same features.
    Emoji and punctuation are no tokens.
    """

    def tokenize(self, message, attribute):
        text = message.get(attribute)
        words = _SYLLABLE_OR_RUN.findall(text) or [text]
        return self._apply_token_pattern(self._convert_words_to_tokens(words, text))
