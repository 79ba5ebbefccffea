-- One delivery of a watch at a time: a second run delivering the same watch waits here, then
-- finds the hits the first one sent already marked, so no hit goes out twice.
SELECT webhook_url FROM vk.watches WHERE watch_id = %(watch_id)s FOR UPDATE;
