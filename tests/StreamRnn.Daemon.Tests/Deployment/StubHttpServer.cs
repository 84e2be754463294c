using System.Net;
using System.Net.Sockets;
using System.Text;

namespace StreamRnn.Daemon.Tests.Deployment;

/// <summary>
/// A real TCP listener on a free loopback port that answers every HTTP request with one fixed status and records
/// the request lines, standing in for the daemon's /readyz.
/// </summary>
internal sealed class StubHttpServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stopping = new();
    private readonly Task serving;
    private readonly List<string> requestLines = [];

    public StubHttpServer(int status, string reason)
    {
        listener.Start();
        serving = Task.Run(() => Serve(status, reason));
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public IReadOnlyList<string> RequestLines
    {
        get
        {
            lock (requestLines)
            {
                return [.. requestLines];
            }
        }
    }

    private async Task Serve(int status, string reason)
    {
        while (!stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stopping.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using (client)
            {
                var stream = client.GetStream();
                var reader = new StreamReader(stream, Encoding.ASCII);
                var requestLine = await reader.ReadLineAsync(stopping.Token) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(stopping.Token)))
                {
                    // Headers are read to the blank line and ignored.
                }

                lock (requestLines)
                {
                    requestLines.Add(requestLine);
                }

                var response = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(response, stopping.Token);
            }
        }
    }

    public void Dispose()
    {
        stopping.Cancel();
        listener.Stop();
        try
        {
            serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener; its exception is the expected way out.
        }

        stopping.Dispose();
    }
}
