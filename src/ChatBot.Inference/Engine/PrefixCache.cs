using System.Diagnostics;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Sequence 0 of the context: the prefix every request shares (the system prompt and the user turn's header),
/// decoded once and copied into each new sequence with <c>llama_memory_seq_cp</c>. Owned by the decode thread.
/// </summary>
internal sealed partial class PrefixCache(SafeLLamaContextHandle context, LLamaBatch batch, int batchSize, ILogger logger)
{
    public const int Sequence = 0;
    private int[] _tokens = [];

    /// <summary>
    /// Starts <paramref name="sequence"/> with what it shares of the cached prefix (caching <paramref name="prefix"/>
    /// first when it is new) and returns how many of the prompt's tokens are already decoded there.
    /// </summary>
    public int CopyInto(int sequence, int[]? prefix, int[] prompt)
    {
        if (prefix is { Length: > 0 } && !prefix.AsSpan().SequenceEqual(_tokens))
        {
            Cache(prefix);
        }

        // Across streams llama.cpp copies whole buffers (partial copies are not supported): take the full prefix,
        // then cut it back to what this prompt really shares. The copy also resets the sequence's stream, so its
        // cells start at the same index on every request. At least the prompt's last token is left to decode, so
        // it yields the logits of the first answer token.
        context.MemorySequenceCopy((LLamaSeqId)Sequence, (LLamaSeqId)sequence, -1, -1);
        var shared = Math.Min(_tokens.AsSpan().CommonPrefixLength(prompt), prompt.Length - 1);
        if (shared < _tokens.Length)
        {
            context.MemorySequenceRemove((LLamaSeqId)sequence, shared, -1);
        }

        return shared;
    }

    private void Cache(int[] prefix)
    {
        var started = Stopwatch.GetTimestamp();
        context.MemorySequenceRemove((LLamaSeqId)Sequence, -1, -1);
        _tokens = [];
        for (var offset = 0; offset < prefix.Length; offset += batchSize)
        {
            batch.Clear();
            var end = Math.Min(prefix.Length, offset + batchSize);
            for (var p = offset; p < end; p++)
            {
                batch.Add(prefix[p], p, (LLamaSeqId)Sequence, logits: false);
            }

            if (context.Decode(batch) != DecodeResult.Ok)
            {
                context.MemorySequenceRemove((LLamaSeqId)Sequence, -1, -1);
                LogPrefixFailed(logger, prefix.Length);
                return;
            }
        }

        _tokens = prefix;
        LogPrefixCached(logger, prefix.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Shared prefix of {Tokens} tokens cached in {ElapsedMs:F0} ms")]
    private static partial void LogPrefixCached(ILogger logger, int tokens, double elapsedMs);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Shared prefix of {Tokens} tokens did not fit the context; requests evaluate it themselves")]
    private static partial void LogPrefixFailed(ILogger logger, int tokens);
}
