namespace ChatBot.Core.Screening;

/// <summary>
/// Screens an answer as it streams: text is released only up to where no listed word could still be completing,
/// so a word split across chunks is caught before any of it is sent.
/// </summary>
public sealed class StreamingScreen(SensitiveWordScreener screener, OutputAction action, string replacement)
{
    private readonly System.Text.StringBuilder _text = new();
    private readonly SensitiveWordList _list = screener.List;
    private int _released;

    public int Hits { get; private set; }

    public IReadOnlyList<string> Categories { get; private set; } = [];

    /// <summary>True once a hit turned a Replace answer into the safe message: stop streaming.</summary>
    public bool Replaced { get; private set; }

    /// <summary>Adds a piece and returns the text that is now safe to send (possibly empty).</summary>
    public string Feed(string piece)
    {
        _text.Append(piece);
        return Release(final: false);
    }

    /// <summary>The rest, at the end of the answer.</summary>
    public string Finish() => Release(final: true);

    /// <summary>Everything released so far, masked: the cumulative text for platforms that resend it whole.</summary>
    public string Released { get; private set; } = "";

    private string Release(bool final)
    {
        if (Replaced)
        {
            return "";
        }

        var text = _text.ToString();
        var hits = SensitiveWordScreener.Find(_list, NormalizedText.Of(text), out var pending);
        Hits = hits.Count;
        Categories = [.. hits.Select(h => h.Category).Distinct()];
        if (hits.Count > 0 && action == OutputAction.Replace)
        {
            Replaced = true;
            Released = replacement;
            return "";
        }

        var safe = final ? text.Length : pending;
        if (safe > 0 && safe < text.Length && char.IsLowSurrogate(text[safe]))
        {
            safe--;
        }

        if (safe <= _released)
        {
            return "";
        }

        var masked = screener.Mask(text, hits);
        var piece = masked[_released..safe];
        _released = safe;
        Released = masked[..safe];
        return piece;
    }
}

/// <summary>What happens to an answer that contains a listed word.</summary>
public enum OutputAction
{
    /// <summary>The word's characters become <c>*</c>.</summary>
    Mask,

    /// <summary>The whole answer becomes the configured safe message.</summary>
    Replace,
}
