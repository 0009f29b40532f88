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

    /// <summary>
    /// How a text writes a word it holds only by sound (证名 in a passage that writes 证明): the first run of as many
    /// characters, each sharing a reading with the word's character in its place; null when there is none.
    /// </summary>
    public static string? Spelling(Lexicon lexicon, string word, string text)
    {
        if (word.Length < 2)
        {
            return null;
        }

        var readings = word.Select(lexicon.Readings).ToArray();
        if (Array.Exists(readings, r => r.Count == 0))
        {
            return null;
        }

        for (var start = 0; start + word.Length <= text.Length; start++)
        {
            var i = 0;
            while (i < word.Length && (text[start + i] == word[i] || lexicon.Readings(text[start + i]).Any(readings[i].Contains)))
            {
                i++;
            }

            if (i == word.Length)
            {
                return text.Substring(start, word.Length);
            }
        }

        return null;
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
