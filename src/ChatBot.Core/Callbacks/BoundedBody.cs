using System.Buffers;

namespace ChatBot.Core.Callbacks;

/// <summary>
/// Reads a request body up to a limit. The limit is enforced while reading, not only from Content-Length,
/// because chunked bodies carry no length and a lying client must not make us buffer megabytes.
/// </summary>
public static class BoundedBody
{
    /// <returns>The body, or null when it exceeds <paramref name="limit"/> bytes.</returns>
    public static async Task<byte[]?> ReadAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        if (contentLength > limit)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(contentLength is { } known ? (int)known + 1 : 4096);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return buffer.AsSpan(0, length).ToArray();
                }

                length += read;
                if (length > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            // Cleared because the buffer held a (still encrypted) message body.
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
        }
    }
}
