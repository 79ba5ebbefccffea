-- What the sweep's filters name: the community with most comments and the busiest author
-- (whose comments are still only a few dozen among millions); and how many comments there are.
SELECT (SELECT group_id FROM vk.comments GROUP BY group_id ORDER BY count(*) DESC LIMIT 1)
           AS group_id,
       (SELECT from_id FROM vk.comments WHERE NOT is_deleted
        GROUP BY from_id ORDER BY count(*) DESC LIMIT 1) AS author_id,
       (SELECT count(*) FROM vk.comments) AS comments;
