namespace ChatBot.Core.Screening;

/// <summary>
/// Screens an answer as it streams: text is released only up to where no listed word could still be completing,
/// so a word split across chunks is caught before any of it is sent. Each piece is normalised and scanned once
/// (<see cref="WordScanner"/>), so a long answer costs what one scan of it costs.
/// </summary>
public sealed class StreamingScreen(SensitiveWordScreener screener, OutputAction action, string replacement)
{
    private readonly WordScanner _scanner = new(screener.List);
    private readonly List<bool> _masked = [];
    private readonly System.Text.StringBuilder _released = new();
    private int _releasedUpTo;
    private int _hitsApplied;

    public int Hits => _scanner.Hits.Count;

    public IReadOnlyList<string> Categories => [.. _scanner.Hits.Select(h => h.Category).Distinct()];

    /// <summary>True once a hit turned a Replace answer into the safe message: stop streaming.</summary>
    public bool Replaced { get; private set; }

    /// <summary>Everything released so far, masked: the cumulative text for platforms that resend it whole.</summary>
    public string Released => Replaced ? replacement : _released.ToString();

    /// <summary>Adds a piece and returns the text that is now safe to send (possibly empty).</summary>
    public string Feed(string piece)
    {
        if (Replaced)
        {
            return "";
        }

        _scanner.Append(piece);
        return Release(_scanner.Pending);
    }

    /// <summary>The rest, at the end of the answer.</summary>
    public string Finish()
    {
        if (Replaced)
        {
            return "";
        }

        _scanner.Complete();
        return Release(_scanner.Text.OriginalLength);
    }

    private string Release(int safe)
    {
        if (Hits > 0 && action == OutputAction.Replace)
        {
            Replaced = true;
            return "";
        }

        // Decided hits never reach back before the pending point, so released text never needs masking again.
        var text = _scanner.Text.Original;
        _masked.AddRange(new bool[text.Length - _masked.Count]);
        for (; _hitsApplied < Hits; _hitsApplied++)
        {
            var hit = _scanner.Hits[_hitsApplied];
            System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_masked)[hit.Start..hit.End].Fill(true);
        }

        if (safe > 0 && safe < text.Length && char.IsLowSurrogate(text[safe]))
        {
            safe--;
        }

        if (safe <= _releasedUpTo)
        {
            return "";
        }

        var start = _released.Length;
        SensitiveWordScreener.AppendMasked(_released, text[_releasedUpTo..safe], System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_masked)[_releasedUpTo..safe]);
        _releasedUpTo = safe;
        return _released.ToString(start, _released.Length - start);
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
