namespace ChatBot.Knowledge.Search;

/// <summary>
/// Text as it sounds: each pair of neighbouring Chinese characters as a pair of toneless syllables ("gong/ji"), every
/// reading of a character with several. Pinyin input picks a character by its sound, so the usual typo (公基金, 积效,
/// 病价) keeps the sound of the word meant: matching on these finds it. Indexed beside the characters and weighted
/// below them, so a sound match helps only where the characters do not match.
/// </summary>
public static class Sounds
{
    // A pair of characters with many readings each would flood the index; four combinations cover real words.
    private const int MaxPerPair = 4;

    public static IEnumerable<string> Bigrams(Lexicon lexicon, string text)
    {
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (!GlossBridge.Han(text[i]) || !GlossBridge.Han(text[i + 1]))
            {
                continue;
            }

            var first = lexicon.Readings(text[i]);
            var second = lexicon.Readings(text[i + 1]);
            var made = 0;
            foreach (var a in first)
            {
                foreach (var b in second)
                {
                    if (made++ < MaxPerPair)
                    {
                        yield return a + "/" + b;
                    }
                }
            }
        }
    }

    /// <summary>Whether every sound pair of a word (two characters at least) is among a passage's.</summary>
    public static bool SoundsIn(Lexicon lexicon, string word, IReadOnlySet<string> passage)
    {
        if (word.Length < 2)
        {
            return false;
        }

        for (var i = 0; i + 1 < word.Length; i++)
        {
            var pair = word.Substring(i, 2);
            if (!Bigrams(lexicon, pair).Any(passage.Contains))
            {
                return false;
            }
        }

        return true;
    }
}
