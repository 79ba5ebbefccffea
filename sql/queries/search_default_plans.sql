-- Back to the server's plan choice for everything else on the connection.
RESET plan_cache_mode;
